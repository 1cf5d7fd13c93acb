/**
 * The configuration used when no file is given: everything in one process, the API on
 * 127.0.0.1:8000, entities on the local filesystem under ./data, and the demo data loaded.
 */
export const EMBEDDED_DEFAULTS_NAME = '<embedded defaults>';

export const EMBEDDED_DEFAULTS_YAML = `# julee embedded defaults: used when no config.yaml is found.
role: api
server:
  host: 127.0.0.1
  port: 8000
repositories:
  default:
    type: filesystem
    data_dir: ./data
services:
  knowledge:
    type: scripted
fixtures:
  enabled: true
logging:
  format: auto
`;
