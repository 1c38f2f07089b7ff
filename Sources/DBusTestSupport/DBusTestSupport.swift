// Placeholder: test support lands here.
