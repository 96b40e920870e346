"""
The plugin's server-rendered pages: ``staff`` (overview, new, edit, withdraw, an assignment's page),
``bulk`` (the bulk assignment wizard) and ``learner`` (the learner's own assignments).
"""
