/// Errors split by line of sight, when the flags are known and both kinds occur.
struct LoSSplit {
    var los: [Double]
    var nlos: [Double]

    init?(errors: [Double], los: [Bool]?) {
        guard let los, los.contains(true), los.contains(false) else { return nil }
        self.los = zip(errors, los).filter { $0.1 }.map(\.0)
        nlos = zip(errors, los).filter { !$0.1 }.map(\.0)
    }
}
