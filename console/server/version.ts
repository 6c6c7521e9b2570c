/** The console's version, as it introduces itself to MCP clients (the chart's appVersion). */
export const consoleVersion = '0.1.0';
