"""Use cases. Each public function owns one transaction (see ``kiosk.db.write_transaction``)."""
