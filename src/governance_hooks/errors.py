"""Errors that stop the tool (exit code 2), as opposed to findings."""


class ToolError(Exception):
    """The tool could not do its job: bad arguments, configuration, schema or policy.

    The message is one line that names the file and the problem; the CLI prints
    it as ``governance-hooks: error: <message>`` and exits 2.
    """
