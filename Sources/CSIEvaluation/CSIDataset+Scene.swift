import CSIChannel

extension CSIDataset {
    /// A dataset of channels `csi` at `positions` in `scene`: its array, subcarriers and carrier (the demo's survey
    /// and test capture).
    init(positions: [Point3], csi: [Float], scene: Scene) {
        self.init(
            positions: positions, csi: csi, frequencies: scene.subcarriers.frequencies,
            antennas: scene.array.positions, carrier: scene.subcarriers.carrier)
    }
}
