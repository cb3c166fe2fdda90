// Users import `AsyncWebSocket` alone: the core's vocabulary (`Message`, `CloseCode`,
// `HTTPHeaders`, `Role`, …) appears throughout this module's API, so it is re-exported rather
// than wrapped. See docs/ARCHITECTURE.md, "Modules and allowed imports".
@_exported public import WebSocketCore
