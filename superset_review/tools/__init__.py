"""The governed LLM tools: a registry (schema, permission, caps per tool), an audit row per call, served over REST
and over MCP on Superset's own MCP service."""
