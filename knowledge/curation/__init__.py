"""What goes into the fact base: the repo's source and fact files, the build, and admins' curation."""
