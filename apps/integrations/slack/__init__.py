"""slack: the incoming-webhook client incidents post to."""
