class StackError(Exception):
    """Something the user must fix before the stack can start; the message is the one line to show."""
