import gc
import subprocess
import sys

from anomaly_pipeline import gc_tuning


def test_loading_the_definitions_freezes_the_start_up_objects():
    code = "import gc; import anomaly_pipeline.definitions; print(gc.get_freeze_count() > 100_000, gc.get_threshold())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[0] == f"True {gc.get_threshold()}"  # frozen; CPython's thresholds untouched


def test_freeze_adds_objects_created_after_the_start_up_freeze():
    gc_tuning.freeze()
    frozen = gc.get_freeze_count()
    late = [[i] for i in range(1000)]  # container objects created after the first freeze
    gc_tuning.freeze()
    assert gc.get_freeze_count() >= frozen + len(late)


def test_imports_run_with_the_collector_paused_and_are_frozen_after():
    code = ("import gc; import anomaly_pipeline.cli; "
            "print(gc.isenabled(), gc.get_freeze_count() > 100_000, gc.get_count()[2])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "True", "0"]  # collector back on, the CLI's imports out of its reach
    assert gc.isenabled()
    with gc_tuning.importing():
        assert not gc.isenabled()
        with gc_tuning.importing():  # nested: the outer block turns the collector back on
            pass
        assert not gc.isenabled()
        loaded = [[i] for i in range(1000)]
        assert any(o is loaded for o in gc.get_objects())
    assert gc.isenabled()
    assert not any(o is loaded for o in gc.get_objects())  # frozen: in no generation the collector walks
