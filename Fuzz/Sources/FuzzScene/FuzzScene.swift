// libFuzzer harness: scene files (docs/scenes.md) as `csiloc simulate` and csilocd's `model.oracle_scene` read
// them: StrictYAML into SceneFile and its checks (Scene.parse), then the simulator built and evaluated at the
// UE region's centre. Input: the YAML text.
import CSIChannel
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScene(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: FuzzInput.bytes(data, size), as: UTF8.self)
    guard let scene = try? Scene.parse(yaml: text, file: "fuzz.yaml") else { return 0 }
    let r = scene.ueRegion
    let centre = Point3(
        (r.x.lowerBound + r.x.upperBound) / 2, (r.y.lowerBound + r.y.upperBound) / 2,
        (r.z.lowerBound + r.z.upperBound) / 2)
    let simulator = ChannelSimulator(scene: scene)
    let values = simulator.channels(at: [centre])
    if values.count != simulator.valuesPerChannel { FuzzInput.fail("channels(at:) returned \(values.count) values") }
    return 0
}

@main
enum Harness {
    // Seeds: the shipped scenes (Fuzz/corpus/scene/, copies of etc/scenes/*.yaml).
    static func main() { FuzzMain.run(fuzzScene) }
}
