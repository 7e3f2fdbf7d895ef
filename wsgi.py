"""WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi run`."""
from app import create_app
from app.services import certificates

app = create_app()
certificates.warm_up()  # load the fonts once per worker, not on a visitor's first certificate
