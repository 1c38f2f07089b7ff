// Placeholder: the D-Bus layer lands here.
