"""The hub's own extensions: its database is not the kiosk's, so it has its own SQLAlchemy."""

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class HubBase(DeclarativeBase):
    pass


hub_db = SQLAlchemy(model_class=HubBase, session_options={"expire_on_commit": False})
hub_migrate = Migrate()
hub_csrf = CSRFProtect()
