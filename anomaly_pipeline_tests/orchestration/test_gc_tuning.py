import gc
import subprocess
import sys

from anomaly_pipeline import gc_tuning


def test_loading_the_definitions_freezes_the_start_up_objects():
    code = "import gc; import anomaly_pipeline.definitions; print(gc.get_freeze_count() > 100_000, gc.get_threshold())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[0] == f"True {gc.get_threshold()}"  # frozen; CPython's thresholds untouched


def test_tune_is_idempotent_and_freeze_adds_late_objects():
    gc_tuning.tune()
    frozen = gc.get_freeze_count()
    late = [[i] for i in range(1000)]  # container objects created after the first freeze
    gc_tuning.tune()
    assert gc.get_freeze_count() == frozen  # a second tune() does nothing
    gc_tuning.freeze()
    assert gc.get_freeze_count() >= frozen + len(late)
