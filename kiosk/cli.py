"""The ``kiosk`` command: Flask's CLI group around ``create_app``."""

from flask.cli import FlaskGroup

from . import create_app


def main() -> None:
    FlaskGroup(create_app=create_app, add_version_option=False,
               help="Pin Kiosk: hand out enamel pins for micro-credential badges.")(
        prog_name="kiosk")


if __name__ == "__main__":  # `python -m kiosk.cli`: how `kiosk serve` starts a long pull
    main()
