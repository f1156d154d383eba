"""Model references, the deck that names them, and where each handle is served."""
