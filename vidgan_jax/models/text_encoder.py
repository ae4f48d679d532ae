"""A small transformer over sentencepiece ids, pooled to one caption embedding."""

import flax.linen as nn
import jax
import jax.numpy as jnp

from vidgan_jax.models.layers import Dtype
from vidgan_jax.text import PAD_ID


class TextEncoder(nn.Module):
  """int32 tokens [B, L] -> float embedding [B, out_dim]; padding (id 0) is masked out."""

  vocab_size: int
  embed_dim: int
  num_layers: int
  num_heads: int
  out_dim: int
  dtype: Dtype = jnp.float32

  @nn.compact
  def __call__(self, tokens: jax.Array) -> jax.Array:
    mask = tokens != PAD_ID  # [B, L]
    x = nn.Embed(self.vocab_size, self.embed_dim, dtype=self.dtype)(tokens)
    positions = self.param("positions", nn.initializers.normal(0.02), (tokens.shape[1], self.embed_dim))
    x = x + positions.astype(self.dtype)
    attention_mask = nn.make_attention_mask(mask, mask)
    for _ in range(self.num_layers):
      y = nn.LayerNorm(dtype=self.dtype)(x)
      x = x + nn.MultiHeadDotProductAttention(self.num_heads, dtype=self.dtype)(y, mask=attention_mask)
      y = nn.LayerNorm(dtype=self.dtype)(x)
      y = nn.Dense(4 * self.embed_dim, dtype=self.dtype)(y)
      x = x + nn.Dense(self.embed_dim, dtype=self.dtype)(nn.gelu(y))
    x = nn.LayerNorm(dtype=self.dtype)(x)
    weights = mask[..., None].astype(x.dtype)
    pooled = (x * weights).sum(1) / jnp.maximum(weights.sum(1), 1.0)
    return nn.Dense(self.out_dim, dtype=self.dtype)(pooled)


FACTOR_READOUTS = ("sentence", "words")


class FactorBottleneck(nn.Module):
  """Tokens [B, L] (and, for readout "sentence", the text embedding [B, D']) -> (a code
  [B, code_dim] per factor, per-factor logits [B, classes_f]).

  The caption reaches the generator only as the classes it names, one factor at a time: factor
  f's code is softmax(logits_f) @ E_f, a class embedding weighted by how surely the caption names
  it. A caption of a pair never seen together ("golf in the pool") then gives codes that were each
  seen in training, and the logits learn the factors from the training labels
  (`loss.factor_text_weight`); sampling needs no labels.

  `readout` (model.factor_readout) says what the logits read. "sentence": the text embedding,
  where the transformer has mixed the words; it learns the training pairs' words together, and
  names a held-out pair's scene by its action ("golf in the pool": grass). "words": each factor
  attends over the caption's own word embeddings (no mixing across words) and reads the words it
  attends to; the words that name a factor alone predict it best, so attention settles on them.
  The transformer is then not needed at all (`Generator.condition` does not run it).
  """

  factor_classes: tuple[int, ...]
  code_dim: int
  readout: str = "sentence"
  vocab_size: int = 0  # For readout "words": the tokenizer's.
  embed_dim: int = 0  # For readout "words": the word embeddings' width.
  dtype: Dtype = jnp.float32

  @nn.compact
  def __call__(
    self, tokens: jax.Array, text: jax.Array | None = None
  ) -> tuple[tuple[jax.Array, ...], tuple[jax.Array, ...]]:
    if self.readout not in FACTOR_READOUTS:
      raise ValueError(f"model.factor_readout={self.readout!r} is not one of {FACTOR_READOUTS}")
    if self.readout == "sentence" and text is None:
      raise ValueError('the "sentence" readout reads the text embedding: pass it')
    if self.readout == "words":
      words = nn.Embed(self.vocab_size, self.embed_dim, dtype=jnp.float32, name="words")(tokens)
    logits, codes = [], []
    for i, classes in enumerate(self.factor_classes):
      features = text.astype(jnp.float32) if self.readout == "sentence" else self._attend(words, tokens, i)
      factor_logits = nn.Dense(classes, dtype=jnp.float32, name=f"logits_{i}")(features)
      table = self.param(f"classes_{i}", nn.initializers.normal(1.0), (classes, self.code_dim))
      codes.append((jax.nn.softmax(factor_logits) @ table).astype(self.dtype))
      logits.append(factor_logits)
    return tuple(codes), tuple(logits)

  def _attend(self, words: jax.Array, tokens: jax.Array, factor: int) -> jax.Array:
    """Word embeddings [B, L, E] -> their mean [B, E] weighted by factor `factor`'s attention
    (a learned score per word, softmax over the caption's non-padding tokens), layer-normalised."""
    scores = nn.Dense(1, dtype=jnp.float32, name=f"attention_{factor}")(words)[..., 0]
    scores = jnp.where(tokens != PAD_ID, scores, jnp.finfo(jnp.float32).min)
    weights = jax.nn.softmax(scores, axis=-1)
    # Normalised as the sentence embedding is: without it the cross-entropy was still near chance
    # after 100 steps on the proxy (with it, 3.1 on average over those steps; the sentence's 1.2).
    return nn.LayerNorm(dtype=jnp.float32, name=f"norm_{factor}")(jnp.einsum("bl,ble->be", weights, words))
