"""`python -m anomaly_pipeline.cli`: the same as the `anomaly-pipeline` command."""

import sys

from anomaly_pipeline.cli import main

sys.exit(main())
