"""`python -m anomaly_pipeline.cli`: the same as the `anomaly-pipeline` command."""

import sys

from anomaly_pipeline.cli import main

if __name__ == "__main__":  # not when a spawned worker process imports this module (`detect.ml_process`)
    sys.exit(main())
