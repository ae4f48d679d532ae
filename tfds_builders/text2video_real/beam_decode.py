"""text2video_real's Beam path: the local path's decoding and bad-file accounting as a PTransform,
which TFDS runs on the runner that `--beam_pipeline_options` names (DirectRunner, Dataflow, Flink,
Spark).

Each manifest row is decoded on some worker, in a child process of that worker's own
(`workers.IsolatedWorker`), so a decoder crash costs its file only. Bad files are counted in Beam
metrics (namespace `text2video_real`, counters `skipped/<reason>`, and `kept/<split>`) and listed
on a side output, which one worker writes as JSON for the builder's report.
"""

import json

import apache_beam as beam
from etils import epath

from vidgan_jax.datasets.text2video_real import decode, workers

NAMESPACE = "text2video_real"


class _Decode(beam.DoFn):
  """A job (decode.decode_row's tuple) -> (key, example), or its skip record on the "skipped" output."""

  def __init__(self, split: str):
    super().__init__()
    self._split = split
    self._worker = None

  def setup(self):
    self._worker = workers.IsolatedWorker()

  def process(self, job):
    row = job[0]
    result = self._worker(decode.decode_row, job)
    if isinstance(result, workers.WorkerDied):
      result = decode.ClipError(decode.WORKER_DIED, str(result))
    if isinstance(result, decode.ClipError):
      beam.metrics.Metrics.counter(NAMESPACE, f"skipped/{result.reason}").inc()
      yield beam.pvalue.TaggedOutput(
        "skipped", {"line": row.line, "path": row.path, "reason": result.reason, "detail": result.detail}
      )
      return
    beam.metrics.Metrics.counter(NAMESPACE, f"kept/{self._split}").inc()
    yield row.path, {"video": result, "caption": row.caption, "category": row.category, "path": row.path}

  def teardown(self):
    if self._worker is not None:
      self._worker.close()


def _write_json(records: list[dict], path: str) -> None:
  epath.Path(path).write_text(json.dumps(sorted(records, key=lambda r: r["line"])))


@beam.ptransform_fn
def DecodeRows(root, jobs: list[tuple], split: str, skipped_path: str):  # noqa: N802  (a PTransform's name)
  """The split's examples as (key, example); the skip records land in `skipped_path` as JSON."""
  outputs = (
    root
    | "Rows" >> beam.Create(jobs)
    | "Spread" >> beam.Reshuffle()  # One row per work item: decoding, not reading, is the cost.
    | "Decode" >> beam.ParDo(_Decode(split)).with_outputs("skipped", main="examples")
  )
  _ = outputs.skipped | "Gather" >> beam.combiners.ToList() | "Write" >> beam.Map(_write_json, skipped_path)
  return outputs.examples


def read_counters(pipeline_result) -> dict[str, int]:
  """The `text2video_real` counters of a finished pipeline, by name."""
  query = pipeline_result.metrics().query(beam.metrics.MetricsFilter().with_namespace(NAMESPACE))
  return {c.key.metric.name: c.committed for c in query["counters"]}
