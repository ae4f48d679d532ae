"""Distances between sets of features, diversity and temporal change; numpy in, float out."""

import numpy as np
import scipy.linalg
import scipy.spatial


def _moments(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
  """Mean [D] and (maximum-likelihood) covariance [D, D] of features [N, D], in float64.

  The 1/N covariance makes a set and the same set repeated k times have equal moments, so a
  generator that returns the reference clips scores a distance of exactly zero.
  """
  x = np.asarray(features, np.float64)
  return x.mean(axis=0), np.cov(x, rowvar=False, bias=True).reshape(x.shape[1], x.shape[1])


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
  """Fréchet distance between Gaussians fitted to features a [N, D] and b [M, D].

  |mu_a - mu_b|^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)), the distance of FID / FVD.
  """
  mu_a, cov_a = _moments(a)
  mu_b, cov_b = _moments(b)
  covmean = scipy.linalg.sqrtm(cov_a @ cov_b)
  # sqrtm of a product of PSD matrices is real up to round-off; drop the tiny imaginary part.
  trace = np.trace(cov_a) + np.trace(cov_b) - 2.0 * np.trace(np.real(covmean))
  return float(max(0.0, np.sum((mu_a - mu_b) ** 2) + trace))


def kernel_inception_distance(a: np.ndarray, b: np.ndarray) -> float:
  """Unbiased MMD^2 between features a [N, D] and b [M, D] with the cubic polynomial kernel of KID.

  k(x, y) = (x.y / D + 1)^3 (Binkowski et al., 2018). Unbiased, so it can be slightly negative
  for sets from one distribution; N, M >= 2.
  """
  a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
  if len(a) < 2 or len(b) < 2:
    raise ValueError(f"KID needs at least 2 samples per set, got {len(a)} and {len(b)}")
  dim = a.shape[1]
  k_aa = (a @ a.T / dim + 1.0) ** 3
  k_bb = (b @ b.T / dim + 1.0) ** 3
  k_ab = (a @ b.T / dim + 1.0) ** 3
  n, m = len(a), len(b)
  within_a = (k_aa.sum() - np.trace(k_aa)) / (n * (n - 1))
  within_b = (k_bb.sum() - np.trace(k_bb)) / (m * (m - 1))
  return float(within_a + within_b - 2.0 * k_ab.mean())


def mean_pairwise_distance(features: np.ndarray) -> float:
  """Mean Euclidean distance over all pairs of rows of features [N, D] (N >= 2)."""
  x = np.asarray(features, np.float64)
  if len(x) < 2:
    raise ValueError(f"pairwise distance needs at least 2 samples, got {len(x)}")
  return float(np.mean(scipy.spatial.distance.pdist(x)))


def group_diversity(features: np.ndarray, groups: np.ndarray) -> float | None:
  """Mean over groups (e.g. prompts) of the mean pairwise distance inside each group.

  features [N, D], groups [N] integer ids. Groups with a single member are skipped; None when
  no group has two members.
  """
  values = [mean_pairwise_distance(features[groups == g]) for g in np.unique(groups) if np.sum(groups == g) >= 2]
  return float(np.mean(values)) if values else None


def temporal_change(videos: np.ndarray) -> np.ndarray:
  """Per clip [N], the mean absolute change between consecutive frames of videos [N, T, H, W, C]."""
  v = np.asarray(videos, np.float32)
  return np.mean(np.abs(np.diff(v, axis=1)), axis=tuple(range(1, v.ndim)))


def accuracy(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
  """Per-example correctness [N] (bool) of argmax(logits [N, K]) against labels [N]."""
  return np.argmax(logits, axis=-1) == np.asarray(labels)
