"""Local fakes of the payment providers: tests, and `make run` in development; never started in production."""
