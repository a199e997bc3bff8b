import Foundation
import StrictYAML
import Testing

@testable import CSIChannel

@Suite struct SceneFileTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test(arguments: ["street.yaml", "street-pattern.yaml", "street-corner.yaml", "room.yaml", "tiny-los.yaml"])
    func shippedScenesLoad(_ file: String) throws {
        let scene = try Scene.load(contentsOf: Self.repoRoot.appendingPathComponent("etc/scenes/\(file)").path)
        #expect(scene.array.count >= 1)
        #expect(scene.subcarriers.count >= 1)
        let sim = ChannelSimulator(scene: scene)
        let h = sim.channels(at: [
            Point3(scene.ueRegion.x.lowerBound, scene.ueRegion.y.lowerBound, scene.ueRegion.z.lowerBound)
        ])
        #expect(h.allSatisfy { $0.isFinite })
        #expect(h.contains { $0 != 0 })
    }

    @Test func streetSceneHasTheDocumentedShape() throws {
        let scene = try Scene.load(contentsOf: Self.repoRoot.appendingPathComponent("etc/scenes/street.yaml").path)
        #expect(scene.array.count == 16 && scene.subcarriers.count == 16)
        #expect(ChannelSimulator(scene: scene).paths.count == 5)
        #expect(abs(scene.array.spacing - speedOfLight / 3.5e9 / 2) < 1e-12)
        let room = try Scene.load(contentsOf: Self.repoRoot.appendingPathComponent("etc/scenes/room.yaml").path)
        #expect(ChannelSimulator(scene: room).paths.count == 1 + 6 + 30)
        #expect(room.array.count == 16)
    }

    static let base = """
        name: t
        array:
          kind: ula
          count: 4
          center: [0, 0, 2]
        subcarriers: {carrier: 3.5e9, bandwidth: 1e8, count: 4}
        ue:
          region: {x: [0, 1], y: [0, 1], z: 0}
        """

    @Test func minimalSceneParses() throws {
        let s = try Scene.parse(yaml: Self.base)
        #expect(s.array.count == 4 && s.maxReflectionOrder == 0)
    }

    @Test func unknownKeyIsLocated() {
        let text = Self.base.replacingOccurrences(of: "  count: 4\n", with: "  count: 4\n  spaceing: 0.1\n")
        do {
            _ = try Scene.parse(yaml: text, file: "bad.yaml")
            Issue.record("expected an error")
        } catch let e as YAMLFileError {
            #expect(e.line == 5)
            #expect(e.path == "array.spaceing")
            #expect(e.description.hasPrefix("bad.yaml:5:3: array.spaceing: unknown key 'spaceing'"))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func wrongTypeAndRangeAreLocated() {
        let wrongType = Self.base.replacingOccurrences(of: "count: 4\n  center", with: "count: four\n  center")
        #expect(throws: YAMLFileError.self) { try Scene.parse(yaml: wrongType) }
        do { _ = try Scene.parse(yaml: wrongType, file: "w.yaml") } catch {
            #expect("\(error)".contains("w.yaml:4:"))
            #expect("\(error)".contains("array.count"))
        }
        let badReflection = Self.base + "\nplanes:\n  - {point: [0,0,0], normal: [0,0,1], reflection: [1.5, 0]}\n"
        do { _ = try Scene.parse(yaml: badReflection, file: "r.yaml"); Issue.record("expected an error") } catch {
            #expect("\(error)".contains("planes[0].reflection"))
            #expect("\(error)".contains("≤ 1"))
        }
        let missing = Self.base.replacingOccurrences(of: "  center: [0, 0, 2]\n", with: "")
        do { _ = try Scene.parse(yaml: missing, file: "m.yaml"); Issue.record("expected an error") } catch {
            #expect("\(error)".contains("missing required key 'center'"))
        }
    }

    @Test func syntaxErrorNamesTheFile() {
        do { _ = try Scene.parse(yaml: "name: [unclosed\n", file: "s.yaml"); Issue.record("expected an error") } catch {
            #expect("\(error)".hasPrefix("s.yaml"))
            #expect("\(error)".contains("syntax"))
        }
    }

    @Test func resizingKeepsSpacingAndBand() throws {
        let s = try Scene.parse(yaml: Self.base)
        let r = try s.resized(antennas: 64, subcarriers: 64)
        #expect(r.array.count == 64 && r.subcarriers.count == 64)
        #expect(r.array.spacing == s.array.spacing)
        let df = r.subcarriers.frequencies[1] - r.subcarriers.frequencies[0]
        #expect(abs(df - 1e8 / 64) < 1e-3)
    }
}
