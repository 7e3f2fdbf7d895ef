"""WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi run`."""
from app import create_app
from app.services.certificates import artwork

app = create_app()
artwork.warm_up()  # load the fonts once per worker, not on a visitor's first certificate
