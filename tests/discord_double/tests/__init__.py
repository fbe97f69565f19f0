"""The double's self-tests: the real discord.py client against it."""
