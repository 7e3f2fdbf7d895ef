"""WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi run`."""
from app import create_app
from app.services.certificates import images

app = create_app()
images.warm_up()  # fonts and image versions once per worker, not on a visitor's first certificate
