print("wscat: not built yet")
