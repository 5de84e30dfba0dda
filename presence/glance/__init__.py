"""Today at a glance: the status-bar module and the tray icon."""
