"""The ``kritis-sim`` command line: one module per subcommand, dispatched by
:mod:`kritis_sim.cli.main`. Only this package prints or calls ``sys.exit``."""
