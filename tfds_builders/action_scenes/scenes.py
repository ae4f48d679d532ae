"""Scene backgrounds: each has its own colours, texture and motion.

A scene is `fn(canvas, rng) -> [T, H, W, 3] float32 in [0, 1]`; `rng` draws the per-clip texture.
"""

from collections.abc import Callable

import numpy as np

from vidgan_jax.datasets.action_scenes.render import Canvas, blend, vertical_gradient, with_sky

SKY_TOP, SKY_BOTTOM = (0.45, 0.68, 0.95), (0.78, 0.88, 0.97)
WHITE_LINE = (0.95, 0.95, 0.95)


def _static_noise(c: Canvas, rng: np.random.Generator, scale: float) -> np.ndarray:
  """Per-clip texture [1, H, W, 1], fixed to the ground (it does not follow camera shake)."""
  return rng.normal(0.0, scale, size=(1, c.shape[1], c.shape[2], 1)).astype(np.float32)


def grass(c: Canvas, rng: np.random.Generator) -> np.ndarray:
  """Green field with mowing stripes and grass swaying in the wind."""
  phase = rng.uniform(0, 2 * np.pi)
  stripes = 0.07 * np.sign(np.sin(2 * np.pi * 3.5 * c.x + phase))
  sway = 0.05 * np.sin(2 * np.pi * (14 * c.x + 1.5 * c.t)) * np.sin(2 * np.pi * 20 * c.y)
  ground = np.asarray((0.22, 0.58, 0.18), np.float32) * (1 + stripes + sway)[..., None]
  ground = ground + _static_noise(c, rng, 0.03)
  return with_sky(c, ground, vertical_gradient(c, SKY_TOP, SKY_BOTTOM), horizon=0.32)


def sea(c: Canvas, rng: np.random.Generator) -> np.ndarray:
  """Deep blue water whose waves roll sideways, with white caps."""
  phase = rng.uniform(0, 2 * np.pi)
  wave = np.sin(2 * np.pi * (3 * c.x + 9 * c.y * c.y - 2.0 * c.t) + phase)
  water = np.asarray((0.04, 0.28, 0.6), np.float32) * (1 + 0.18 * wave)[..., None]
  water = blend(water, np.clip((wave - 0.8) * 5, 0, 1) * 0.7, (0.85, 0.92, 1.0))
  return with_sky(c, water, vertical_gradient(c, (0.6, 0.75, 0.92), (0.85, 0.9, 0.95)), horizon=0.3)


def snow(c: Canvas, rng: np.random.Generator) -> np.ndarray:
  """White slope under a grey sky, with snowflakes falling across the frame."""
  ground = vertical_gradient(c, (0.8, 0.84, 0.93), (0.9, 0.92, 0.98)) + _static_noise(c, rng, 0.02)
  image = with_sky(c, ground, vertical_gradient(c, (0.55, 0.57, 0.62), (0.7, 0.72, 0.76)), horizon=0.35)
  frames, height, width = c.shape
  count = 30
  fx, fy0 = rng.uniform(0, 1, (2, count)).astype(np.float32)
  fall = rng.uniform(0.6, 1.0, count).astype(np.float32)
  t = c.t.reshape(frames, 1)
  # Flakes are one-pixel points scattered per frame: far cheaper than drawing 30 disks.
  fy = ((fy0 + fall * t) % 1.0 * height).astype(np.int32)
  fx = ((fx + 0.02 * np.sin(2 * np.pi * (t + fy0))) % 1.0 * width).astype(np.int32)
  flakes = np.zeros(c.shape, np.float32)
  flakes[np.broadcast_to(np.arange(frames)[:, None], fy.shape), fy, fx] = 1.0
  return blend(image, flakes, (1.0, 1.0, 1.0))


def pool(c: Canvas, rng: np.random.Generator) -> np.ndarray:
  """Turquoise water with red-white lane ropes, a tiled edge and drifting caustic ripples."""
  phase = rng.uniform(0, 2 * np.pi)
  ripple = np.sin(2 * np.pi * (7 * c.x + 1.2 * c.t) + phase) * np.sin(2 * np.pi * (7 * c.y - 0.8 * c.t))
  water = np.asarray((0.1, 0.66, 0.8), np.float32) * (1 + 0.12 * ripple)[..., None]
  tiles = np.where((np.floor(c.x * 12) % 2) == 0, 0.95, 0.8)
  image = blend(water, c.soft(c.y - 0.14), np.broadcast_to(tiles, c.shape)[..., None] * np.ones(3, np.float32))
  dashes = np.broadcast_to(np.sin(2 * np.pi * 10 * c.x) > 0, c.shape)[..., None]
  rope_colour = np.where(dashes, np.float32((0.9, 0.1, 0.1)), np.float32((0.97, 0.97, 0.97)))
  for y in (0.4, 0.62, 0.88):
    image = blend(image, c.box(0.5, y, 1.0, 0.012), rope_colour)
  return image


def ice(c: Canvas, rng: np.random.Generator) -> np.ndarray:
  """Rink ice with boards, red and blue lines, scratches and a gliding sheen."""
  ice_rgb = np.asarray((0.86, 0.91, 0.97), np.float32)
  scratches = np.abs(_static_noise(c, rng, 0.04)) * np.float32(-1)
  sheen = 0.1 * np.exp(-((c.x - (0.1 + 0.8 * c.t)) ** 2) / 0.01)
  image = np.broadcast_to(ice_rgb, c.shape + (3,)) * (1 + scratches + sheen[..., None])
  image = blend(image, c.soft(c.y - 0.2), (0.22, 0.27, 0.38))
  image = blend(image, c.box(0.5, 0.21, 1.0, 0.012), WHITE_LINE)
  image = blend(image, c.box(0.5, 0.6, 0.012, 0.4), (0.85, 0.1, 0.1))
  for x in (0.2, 0.8):
    image = blend(image, c.box(x, 0.6, 0.012, 0.4), (0.1, 0.25, 0.8))
  return image


def road(c: Canvas, rng: np.random.Generator) -> np.ndarray:
  """Asphalt with a grass verge and dashed lane markings that scroll as the camera pans."""
  asphalt = np.broadcast_to(np.asarray((0.33, 0.33, 0.36), np.float32), c.shape + (3,))
  asphalt = asphalt + _static_noise(c, rng, 0.025)
  image = blend(asphalt, c.box(0.5, 0.42, 1.0, 0.05), (0.25, 0.5, 0.2))
  image = blend(image, c.box(0.5, 0.48, 1.0, 0.01), WHITE_LINE)
  dashes = ((6 * c.x - 1.5 * c.t) % 1.0) < 0.5
  image = blend(image, c.box(0.5, 0.9, 1.0, 0.015) * dashes, WHITE_LINE)
  return with_sky(c, image, vertical_gradient(c, SKY_TOP, SKY_BOTTOM), horizon=0.37)


SCENE_RENDERERS: dict[str, Callable[[Canvas, np.random.Generator], np.ndarray]] = {
  "grass": grass,
  "sea": sea,
  "snow": snow,
  "pool": pool,
  "ice": ice,
  "road": road,
}
