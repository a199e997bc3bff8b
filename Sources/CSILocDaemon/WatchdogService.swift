import Logging
import ServiceLifecycle

/// Feeds the systemd watchdog (`WATCHDOG=1` every half `WatchdogSec=`) **only while the pipeline makes
/// progress**: if frames are pending and none finished for `watchdog.stall_s`, or the receive thread died,
/// the pings stop and systemd restarts the service. A timer that pinged unconditionally would keep a
/// wedged daemon alive forever.
struct WatchdogService: Service {
    let interval: Duration?
    let stallSeconds: Double
    let pipeline: Pipeline
    let logger: Logger

    func run() async throws {
        guard let interval else {
            // Not under a systemd watchdog: wait for shutdown (returning early would end the group).
            try? await gracefulShutdown()
            return
        }
        await cancelWhenGracefulShutdown {
            var wasHealthy = true
            while !Task.isCancelled {
                let healthy = pipeline.isMakingProgress(stallSeconds: stallSeconds)
                if healthy { SDNotify.watchdog() }
                if healthy != wasHealthy {
                    if healthy {
                        logger.notice("pipeline progressing again; watchdog pings resumed")
                    } else {
                        logger.error(
                            "pipeline stalled; withholding watchdog pings",
                            metadata: ["stall_s": .stringConvertible(stallSeconds)])
                    }
                    wasHealthy = healthy
                }
                do { try await Task.sleep(for: interval) } catch { break }
            }
        }
    }
}
