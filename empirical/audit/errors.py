"""Errors of the audits (no heavy imports: the CLI catches them)."""


class AuditViolation(RuntimeError):
    """A DP run's audit refutes its certified ε (an ε lower bound above it, or its privacy profile rejected): a bug
    in DP training or accounting. ``sensaware`` prints it on one line and exits with :data:`EXIT_CODE`."""


#: ``sensaware``'s exit code for an :class:`AuditViolation` (2 is bad input, 130 an interruption).
EXIT_CODE = 3
