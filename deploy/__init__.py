"""The deployment: docker-compose files and the native launcher of the same processes (local_stack.py)."""
