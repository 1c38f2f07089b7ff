// Placeholder: the Sony model catalogue and identification land here.
