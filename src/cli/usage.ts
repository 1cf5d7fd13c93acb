export const USAGE = `Usage: julee [command] [options]

Commands:
  start             run the role from the configuration (the default command)
  validate          check the configuration exactly as start does, without starting anything
  config print      print the effective configuration, defaults filled in, secrets redacted
  plugins list      list the plugins this configuration can use
  schema            print the JSON Schema of config.yaml for this runtime and its plugins

Options:
  -c, --config FILE    configuration file (default: $JULEE_CONFIG, then ./config.yaml,
                       then the embedded defaults)
  -r, --role ROLE      api, worker or all; overrides the file and $JULEE_ROLE
  -f, --format FORMAT  validate, plugins list: text or json; config print: yaml or json
  -h, --help           show this help
  -v, --version        show the version

Exit codes: 0 success, 2 invalid configuration or usage, 1 runtime failure.
`;
