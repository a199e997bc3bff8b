// libFuzzer harness: the csilocd configuration (docs/daemon.md) as `csilocd --check`, start and SIGHUP read it:
// StrictYAML (libyaml through Yams, the ExpansionGuard pre-pass, strict keyed decoding) into
// DaemonConfiguration, then the search section turned into a LocalizerConfiguration and validated against a
// small fixed model (the tiny line-of-sight scene's simulator) and its region, as a start would before building
// the localizer. Input: the YAML text (any bytes; invalid UTF-8 is repaired as String(decoding:) does).
import CSIChannel
import CSILocDaemon
import CSISearch
import FuzzSupport

let tinyScene = """
    name: tiny-los
    frame: tiny
    array: {kind: ula, count: 4, center: [-4.0, 0.0, 2.0], axis: [0, 1, 0]}
    subcarriers: {carrier: 3.5e9, bandwidth: 40e6, count: 4}
    ue:
      region: {x: [-0.5, 0.5], y: [-0.5, 0.5], z: 0.0}
    """
nonisolated(unsafe) let scene = try! Scene.parse(yaml: tinyScene, file: "<tiny>")
nonisolated(unsafe) let model = ChannelSimulator(scene: scene)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: FuzzInput.bytes(data, size), as: UTF8.self)
    guard let configuration = try? DaemonConfiguration.parse(yaml: text, file: "/etc/csilocd/fuzz.yaml") else {
        return 0
    }
    _ = configuration.resolvedWorkers
    for nuisance in [NuisanceModel.none, configuration.search.nuisance ?? .none] {
        let search = configuration.search.localizerConfiguration(modelNuisance: nuisance)
        _ = try? search.validate(model: model, region: SearchRegion(scene.ueRegion))
    }
    return 0
}

@main
enum Harness {
    // Seeds: etc/csilocd.yaml and small hand-written configurations (Fuzz/corpus/config/).
    static func main() { FuzzMain.run(fuzzConfig) }
}
