// libFuzzer harness: model files (docs/model.md) as csilocd loads them: ModelFile.decode (binary layout, JSON
// header, tensors) then ModelLoader.model(of:) (ModelFile.validate and the kind's loader), then the loaded
// model evaluated where a localizer first evaluates it (region centre and corners, value and Jacobian), and its
// quality map looked up there.
// Input: a model file WITHOUT its 32-byte SHA-256 trailer; the harness appends the right one, since anyone can
// recompute it and a fuzzer could never guess it.
import CSIChannel
import CSIModel
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModel(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var bytes = FuzzInput.bytes(data, size)
    var sha = SHA256()
    bytes.withUnsafeBytes { sha.update($0) }
    bytes += sha.finalize()
    guard let file = try? ModelFile.decode(bytes, file: "fuzz.csimodel"),
        let model = try? ModelLoader.model(of: file, path: "fuzz.csimodel")
    else { return 0 }
    let region = file.header.trainingRegion
    let centre = Point3(
        (region.x.lowerBound + region.x.upperBound) / 2, (region.y.lowerBound + region.y.upperBound) / 2,
        (region.z.lowerBound + region.z.upperBound) / 2)
    let corners = [
        Point3(region.x.lowerBound, region.y.lowerBound, region.z.lowerBound),
        Point3(region.x.upperBound, region.y.upperBound, region.z.upperBound),
    ]
    let values = model.channels(at: [centre] + corners)
    if values.count != 3 * model.valuesPerChannel { FuzzInput.fail("channels(at:) returned \(values.count) values") }
    _ = model.channelAndJacobian(at: centre)
    // The quality map, looked up where a localizer judges a fix (inside the box and far outside it).
    if let q = file.header.quality {
        for p in [centre, Point3(-1e7, 1e7, .nan)] + corners {
            let local = q.local(at: p)
            if !(local.nmse.isFinite && local.nmse >= 0 && local.logSpread.isFinite) {
                FuzzInput.fail("quality map lookup gave \(local)")
            }
        }
    }
    // The identity csilocd publishes with every fix.
    _ = try? file.digest()
    return 0
}

@main
enum Harness {
    // Seeds are model files trained by `csiloc train` (tools/fuzz.sh model --write-seeds), not written here.
    static func main() { FuzzMain.run(fuzzModel) }
}
