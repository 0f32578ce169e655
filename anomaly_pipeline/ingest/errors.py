"""The one exception readers raise for a file that cannot be read truthfully."""


class RejectedFile(Exception):
    """The file cannot be loaded; `reason` is shown to the user and stored on the upload row."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
