"""The client verbs. Each module has `add_parser(subparsers, parents)`, which returns the verb's parser, and
`run(args, context) -> int`."""
