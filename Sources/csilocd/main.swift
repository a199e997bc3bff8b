// csilocd: the streaming localization daemon. All logic lives in CSILocDaemon (DaemonCommand).
import CSILocDaemon
import Foundation

exit(await DaemonCommand.run(arguments: Array(CommandLine.arguments.dropFirst())))
