"""Actions: a sprite agent with action-specific motion and objects.

An action is `fn(canvas, nuisance) -> list of (alpha [T, H, W], colour)` layers, drawn in order
over the scene. Motion is a function of clip time `c.t`, so every action moves distinctly.
"""

from collections.abc import Callable

import numpy as np

from vidgan_jax.datasets.action_scenes.render import AGENT_COLOURS, DARK, SKIN, WHITE, Canvas, Layer, Nuisance

BROWN = (0.45, 0.25, 0.08)
GREY = (0.6, 0.6, 0.62)


def _ramp(t: np.ndarray, start: float) -> np.ndarray:
  """Time since `start`, zero before it."""
  return np.maximum(t - start, 0.0)


def person(c: Canvas, x, foot_y, u: float, colour, stride=0.0, lean=0.0) -> list[Layer]:
  """Head, torso and two legs; `stride` in [-1, 1] swings the legs, `lean` tilts the torso."""
  hip_x, hip_y = x, foot_y - 1.0 * u
  neck_x = x + lean * u
  legs = [(c.segment(hip_x, hip_y, hip_x + side * 0.45 * u * stride, foot_y, 0.13 * u), DARK) for side in (1.0, -1.0)]
  torso = (c.segment(hip_x, hip_y, neck_x, foot_y - 2.1 * u, 0.32 * u), colour)
  head = (c.disk(neck_x, foot_y - 2.55 * u, 0.33 * u), SKIN)
  return legs + [torso, head]


def golf(c: Canvas, n: Nuisance) -> list[Layer]:
  """A golfer swings the club back, then through; the ball flies off in an arc."""
  u, d, t = n.unit, n.sign, c.t
  angle = d * np.interp(t, [0.0, 0.35, 0.5, 1.0], [0.2, -2.3, 2.3, 2.6])
  hand_x, hand_y = n.x0 + d * 0.2 * u, n.ground - 1.5 * u
  club = (c.segment(hand_x, hand_y, hand_x + 1.5 * u * np.sin(angle), hand_y + 1.5 * u * np.cos(angle), 0.08 * u), GREY)
  flight = _ramp(t, 0.45) * n.speed
  ball = (
    c.disk(n.x0 + d * (0.7 * u + 1.4 * flight), n.ground - 0.1 * u - 2.2 * flight + 2.6 * flight**2, 0.2 * u),
    WHITE,
  )
  return person(c, n.x0, n.ground, u, AGENT_COLOURS[n.colour]) + [club, ball]


def kitesurfing(c: Canvas, n: Nuisance) -> list[Layer]:
  """A rider on a board glides sideways, pulled by a bobbing kite on a line."""
  u, d, t = n.unit, n.sign, c.t
  x = n.x0 + d * 0.35 * n.speed * (t - 0.5)
  kite_x, kite_y = x - d * 0.15, 0.12 + 0.04 * np.sin(2 * np.pi * 2 * t)
  colour = AGENT_COLOURS[n.colour]
  kite = (c.triangle((kite_x - 0.7 * u, kite_y), (kite_x + 0.7 * u, kite_y), (kite_x, kite_y + 0.8 * u)), colour)
  line = (c.segment(x, n.ground - 1.6 * u, kite_x, kite_y + 0.4 * u, 0.03 * u), DARK)
  wake = (c.ellipse(x - d * 1.3 * u, n.ground + 0.1 * u, 0.8 * u, 0.12 * u), WHITE)
  board = (c.ellipse(x, n.ground + 0.05 * u, 0.9 * u, 0.15 * u), DARK)
  return [wake, board, line, kite] + person(c, x, n.ground, u, colour, stride=0.8, lean=-0.4 * d)


def sailing(c: Canvas, n: Nuisance) -> list[Layer]:
  """A boat with a white sail drifts slowly, bobbing; the sailor sits in the hull."""
  u, d, t = n.unit, n.sign, c.t
  x = n.x0 + d * 0.15 * n.speed * (t - 0.5)
  y = n.ground - 0.2 * u + 0.012 * np.sin(2 * np.pi * 1.5 * t)
  hull = (c.box(x, y, 1.4 * u, 0.3 * u), BROWN)
  mast = (c.segment(x, y - 0.3 * u, x, y - 3.2 * u, 0.07 * u), DARK)
  sail = (
    c.triangle((x + d * 0.12 * u, y - 3.1 * u), (x + d * 0.12 * u, y - 0.5 * u), (x + d * 1.5 * u, y - 0.5 * u)),
    WHITE,
  )
  sailor = (c.disk(x - d * 0.8 * u, y - 0.55 * u, 0.32 * u), AGENT_COLOURS[n.colour])
  return [hull, mast, sail, sailor]


def swimming(c: Canvas, n: Nuisance) -> list[Layer]:
  """A swimmer lies flat and moves sideways with alternating arm strokes and splashes."""
  u, d, t = n.unit, n.sign, c.t
  x, y = n.x0 + d * 0.3 * n.speed * (t - 0.5), n.ground - 0.4 * u
  body = (c.ellipse(x, y, 1.1 * u, 0.28 * u), AGENT_COLOURS[n.colour])
  head = (c.disk(x + d * 1.2 * u, y - 0.1 * u, 0.3 * u), SKIN)
  layers = [body, head]
  shoulder_x = x + d * 0.7 * u
  for offset in (0.0, np.pi):
    phase = 2 * np.pi * 3 * n.speed * t + offset
    tip_x, tip_y = shoulder_x + d * 1.0 * u * np.cos(phase), y - 1.0 * u * np.sin(phase)
    layers.append((c.segment(shoulder_x, y, tip_x, tip_y, 0.11 * u), SKIN))
    layers.append((c.disk(tip_x, y, 0.3 * u) * (np.sin(phase) < -0.6), WHITE))
  return layers


def biking(c: Canvas, n: Nuisance) -> list[Layer]:
  """A cyclist rides fast: two spinning wheels, a frame, and pedalling legs."""
  u, d, t = n.unit, n.sign, c.t
  x = n.x0 + d * 0.5 * n.speed * (t - 0.5)
  axle_y, r = n.ground - 0.55 * u, 0.55 * u
  spin = -d * 2 * np.pi * 4 * n.speed * t
  layers = []
  for wheel_x in (x - 0.85 * u, x + 0.85 * u):
    layers.append((c.ring(wheel_x, axle_y, r, 0.1 * u), DARK))
    layers.append(
      (
        c.segment(
          wheel_x - r * np.cos(spin),
          axle_y - r * np.sin(spin),
          wheel_x + r * np.cos(spin),
          axle_y + r * np.sin(spin),
          0.05 * u,
        ),
        GREY,
      )
    )
  seat_y = n.ground - 1.3 * u
  layers.append((c.segment(x - 0.85 * u, axle_y, x, seat_y, 0.08 * u), GREY))
  layers.append((c.segment(x + 0.85 * u, axle_y, x, seat_y, 0.08 * u), GREY))
  pedal_x, pedal_y = x + 0.3 * u * np.cos(spin), axle_y + 0.3 * u * np.sin(spin)
  layers.append((c.segment(x, seat_y, pedal_x, pedal_y, 0.13 * u), DARK))
  colour = AGENT_COLOURS[n.colour]
  layers.append((c.segment(x, seat_y, x + d * 0.5 * u, seat_y - 1.0 * u, 0.32 * u), colour))
  layers.append((c.disk(x + d * 0.6 * u, seat_y - 1.45 * u, 0.33 * u), SKIN))
  return layers


def jogging(c: Canvas, n: Nuisance) -> list[Layer]:
  """A runner moves sideways at a steady pace, bouncing, legs scissoring."""
  u, d, t = n.unit, n.sign, c.t
  x = n.x0 + d * 0.3 * n.speed * (t - 0.5)
  cycle = 2 * np.pi * 3 * n.speed * t
  bounce = 0.3 * u * np.abs(np.sin(cycle))
  return person(c, x, n.ground - bounce, u, AGENT_COLOURS[n.colour], stride=np.sin(cycle), lean=0.3 * d)


def football(c: Canvas, n: Nuisance) -> list[Layer]:
  """A quarterback winds up and throws an oval ball high into the air."""
  u, d, t = n.unit, n.sign, c.t
  shoulder_x, shoulder_y = n.x0, n.ground - 2.0 * u
  angle = d * np.interp(t, [0.0, 0.3, 0.4, 1.0], [-0.6, -2.4, 0.9, 1.2])
  hand_x, hand_y = shoulder_x + 1.0 * u * np.sin(angle), shoulder_y - 1.0 * u * np.cos(angle)
  flight = _ramp(t, 0.38) * n.speed
  ball_x = np.where(flight > 0, n.x0 + d * (0.9 * u + 1.1 * flight), hand_x)
  ball_y = np.where(flight > 0, shoulder_y - 1.0 * u - 1.8 * flight + 2.0 * flight**2, hand_y)
  arm = (c.segment(shoulder_x, shoulder_y, hand_x, hand_y, 0.12 * u), SKIN)
  ball = (c.ellipse(ball_x, ball_y, 0.42 * u, 0.25 * u), BROWN)
  return person(c, n.x0, n.ground, u, AGENT_COLOURS[n.colour]) + [arm, ball]


def soccer(c: Canvas, n: Nuisance) -> list[Layer]:
  """A player runs up and kicks a black-and-white ball that rolls away along the ground."""
  u, d, t = n.unit, n.sign, c.t
  x = n.x0 + d * 0.12 * np.minimum(t - 0.3, 0.0)
  rolled = _ramp(t, 0.3) * n.speed
  ball_x, ball_y, r = n.x0 + d * (0.7 * u + 1.2 * rolled), n.ground - 0.3 * u, 0.3 * u
  spin = d * rolled / r  # rolling without slipping
  ball = (c.disk(ball_x, ball_y, r), WHITE)
  patch = (c.disk(ball_x + 0.5 * r * np.cos(spin), ball_y + 0.5 * r * np.sin(spin), 0.4 * r), DARK)
  stride = np.sin(2 * np.pi * 3 * t) * (t < 0.35)
  return person(c, x, n.ground, u, AGENT_COLOURS[n.colour], stride=stride) + [ball, patch]


def hockey(c: Canvas, n: Nuisance) -> list[Layer]:
  """A player swings a stick low and slaps a flat black puck that slides away fast."""
  u, d, t = n.unit, n.sign, c.t
  hand_x, hand_y = n.x0 + d * 0.2 * u, n.ground - 1.5 * u
  blade_dx = d * u * np.interp(t, [0.0, 0.2, 0.3, 1.0], [0.6, -0.6, 1.2, 1.2])
  stick = (c.segment(hand_x, hand_y, hand_x + blade_dx, n.ground - 0.05 * u, 0.09 * u), BROWN)
  slid = _ramp(t, 0.27) * n.speed
  puck = (c.ellipse(n.x0 + d * (1.0 * u + 1.6 * slid), n.ground - 0.05 * u, 0.32 * u, 0.13 * u), DARK)
  return person(c, n.x0, n.ground, u, AGENT_COLOURS[n.colour], stride=0.6, lean=0.5 * d) + [stick, puck]


def water_skiing(c: Canvas, n: Nuisance) -> list[Layer]:
  """A motorboat tows a skier on a line; both speed sideways leaving a white wake."""
  u, d, t = n.unit, n.sign, c.t
  x = n.x0 - d * 0.1 + d * 0.5 * n.speed * (t - 0.5)
  boat_x, boat_y = x + d * 2.6 * u, n.ground - 0.6 * u
  wake = (c.ellipse(x - d * 0.9 * u, n.ground + 0.05 * u, 1.4 * u, 0.14 * u), WHITE)
  boat = (c.box(boat_x, boat_y, 0.9 * u, 0.3 * u), (0.92, 0.92, 0.95))
  stripe = (c.box(boat_x, boat_y + 0.15 * u, 0.9 * u, 0.08 * u), (0.8, 0.1, 0.1))
  line = (c.segment(x + d * 0.5 * u, n.ground - 1.5 * u, boat_x - d * 0.9 * u, boat_y, 0.04 * u), DARK)
  skis = (c.box(x, n.ground, 0.8 * u, 0.07 * u), DARK)
  return [wake, boat, stripe, line, skis] + person(
    c, x, n.ground, u, AGENT_COLOURS[n.colour], stride=0.3, lean=-0.5 * d
  )


ACTION_RENDERERS: dict[str, Callable[[Canvas, Nuisance], list[Layer]]] = {
  "golf": golf,
  "kitesurfing": kitesurfing,
  "sailing": sailing,
  "swimming": swimming,
  "biking": biking,
  "jogging": jogging,
  "football": football,
  "soccer": soccer,
  "hockey": hockey,
  "water_skiing": water_skiing,
}
