"""Vectorised numpy renderer for procedural action-scene clips.

Every clip is a pure function of a `numpy.random.Generator`: the scene paints a moving background,
the action composites a sprite agent with its own motion and objects on top, and the nuisance
parameters (colour, size, position, direction, speed, camera shake, lighting) vary per clip.

Coordinates are in frame units: x and y in [0, 1], y pointing down; time t in [0, 1) over the clip.
All drawing works on whole `[T, H, W]` grids at once, so a clip costs a few dozen array ops.
"""

import dataclasses

import numpy as np

Rgb = tuple[float, float, float]
Layer = tuple[np.ndarray, Rgb]  # (alpha [T, H, W] in [0, 1], colour)

AGENT_COLOURS: dict[str, Rgb] = {
  "red": (0.86, 0.1, 0.1),
  "yellow": (0.95, 0.85, 0.1),
  "orange": (0.95, 0.5, 0.05),
  "purple": (0.5, 0.15, 0.65),
  "pink": (0.95, 0.45, 0.7),
}
DIRECTIONS = ("left", "right")
SKIN: Rgb = (0.95, 0.78, 0.62)
DARK: Rgb = (0.12, 0.12, 0.12)
WHITE: Rgb = (0.98, 0.98, 0.98)


@dataclasses.dataclass(frozen=True)
class Nuisance:
  """Per-clip variation that does not change the action or the scene."""

  colour: str
  direction: str
  size: float  # agent scale, 1 = nominal
  speed: float  # motion speed multiplier
  x0: float  # agent position at mid-clip
  ground: float  # y of the agent's feet
  shake: float  # camera shake amplitude, frame units
  light: float  # global brightness gain

  @property
  def sign(self) -> int:
    return 1 if self.direction == "right" else -1

  @property
  def unit(self) -> float:
    """Body-part length unit; a standing agent is ~3 units tall."""
    return 0.105 * self.size


def sample_nuisance(rng: np.random.Generator) -> Nuisance:
  return Nuisance(
    colour=str(rng.choice(list(AGENT_COLOURS))),
    direction=str(rng.choice(DIRECTIONS)),
    size=float(rng.uniform(0.85, 1.2)),
    speed=float(rng.uniform(0.75, 1.25)),
    x0=float(rng.uniform(0.35, 0.65)),
    ground=float(rng.uniform(0.7, 0.78)),
    shake=float(rng.uniform(0.0, 0.012)),
    light=float(rng.uniform(0.85, 1.1)),
  )


class Canvas:
  """Sampling grids for one clip: t [T,1,1], y [T,H,1], x [T,1,W] (camera shake folded in)."""

  def __init__(self, frames: int, height: int, width: int, shake_xy: np.ndarray):
    self.shape = (frames, height, width)
    self.t = (np.arange(frames, dtype=np.float32) / frames)[:, None, None]
    self.y = ((np.arange(height, dtype=np.float32) + 0.5) / height)[None, :, None] + shake_xy[:, 1, None, None]
    self.x = ((np.arange(width, dtype=np.float32) + 0.5) / width)[None, None, :] + shake_xy[:, 0, None, None]
    self.pixel = 1.0 / height

  def soft(self, signed_distance: np.ndarray) -> np.ndarray:
    """Anti-aliased coverage of a shape from its signed distance (negative inside)."""
    return np.clip(0.5 - signed_distance / self.pixel, 0.0, 1.0)

  # Shapes: every parameter may be a scalar or a per-frame array of shape [T, 1, 1].
  def disk(self, cx, cy, r) -> np.ndarray:
    r = np.maximum(r, 0.6 * self.pixel)
    return self.soft(np.hypot(self.x - cx, self.y - cy) - r)

  def ring(self, cx, cy, r, half_width) -> np.ndarray:
    half_width = np.maximum(half_width, 0.5 * self.pixel)
    return self.soft(np.abs(np.hypot(self.x - cx, self.y - cy) - r) - half_width)

  def ellipse(self, cx, cy, rx, ry) -> np.ndarray:
    rx, ry = np.maximum(rx, 0.6 * self.pixel), np.maximum(ry, 0.6 * self.pixel)
    norm = np.hypot((self.x - cx) / rx, (self.y - cy) / ry)
    return self.soft((norm - 1.0) * np.minimum(rx, ry))

  def box(self, cx, cy, half_w, half_h) -> np.ndarray:
    half_w, half_h = np.maximum(half_w, 0.5 * self.pixel), np.maximum(half_h, 0.5 * self.pixel)
    return self.soft(np.maximum(np.abs(self.x - cx) - half_w, np.abs(self.y - cy) - half_h))

  def segment(self, x0, y0, x1, y1, half_width) -> np.ndarray:
    half_width = np.maximum(half_width, 0.45 * self.pixel)
    dx, dy = x1 - x0, y1 - y0
    along = ((self.x - x0) * dx + (self.y - y0) * dy) / np.maximum(dx * dx + dy * dy, 1e-9)
    along = np.clip(along, 0.0, 1.0)
    return self.soft(np.hypot(self.x - (x0 + along * dx), self.y - (y0 + along * dy)) - half_width)

  def triangle(self, p0, p1, p2) -> np.ndarray:
    """Filled triangle; corners are (x, y) pairs, in either winding order."""
    (ax, ay), (bx, by), (cx, cy) = p0, p1, p2
    winding = np.where((bx - ax) * (cy - ay) - (by - ay) * (cx - ax) >= 0, 1.0, -1.0)
    inside = None
    for (ux, uy), (vx, vy) in (((ax, ay), (bx, by)), ((bx, by), (cx, cy)), ((cx, cy), (ax, ay))):
      ex, ey = vx - ux, vy - uy
      # Distance to the edge's line, positive on the triangle's side.
      distance = winding * (ex * (self.y - uy) - ey * (self.x - ux)) / np.maximum(np.hypot(ex, ey), 1e-9)
      inside = distance if inside is None else np.minimum(inside, distance)
    return self.soft(-inside)


def vertical_gradient(c: Canvas, top: Rgb, bottom: Rgb) -> np.ndarray:
  """[T, H, W, 3] image fading from `top` (y=0) to `bottom` (y=1)."""
  w = np.broadcast_to(np.clip(c.y, 0.0, 1.0), c.shape)[..., None]
  return np.asarray(top, np.float32) * (1 - w) + np.asarray(bottom, np.float32) * w


def blend(image: np.ndarray, alpha: np.ndarray, colour) -> np.ndarray:
  """Composites `colour` (RGB or an image) over `image` [T, H, W, 3] with coverage `alpha`."""
  alpha = np.broadcast_to(alpha, image.shape[:3])[..., None]
  return image * (1.0 - alpha) + alpha * np.asarray(colour, np.float32)


def with_sky(c: Canvas, ground: np.ndarray, sky: np.ndarray, horizon: float) -> np.ndarray:
  """`sky` above the horizon line, `ground` below it."""
  return blend(ground, c.soft(c.y - horizon), sky)
