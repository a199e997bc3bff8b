import Foundation

extension Scene {
    /// The built-in scene `path` stands for when no file is there: a bare name (`street`) or a path ending in the
    /// shipped `etc/scenes/<name>.yaml` (the commands' default), for a name in ``BuiltinScenes/byName``.
    static func builtinName(for path: String) -> String? {
        if BuiltinScenes.byName[path] != nil { return path }
        let url = URL(fileURLWithPath: path)
        let name = url.deletingPathExtension().lastPathComponent
        let parent = url.deletingLastPathComponent()
        guard url.pathExtension == "yaml", parent.lastPathComponent == "scenes",
            parent.deletingLastPathComponent().lastPathComponent == "etc", BuiltinScenes.byName[name] != nil
        else { return nil }
        return name
    }

    /// The scene in the file at `path` with its YAML text; when there is no file there and `path` names a built-in
    /// scene (``builtinName(for:)``), the compiled-in copy of it (``BuiltinScenes``), so that `csiloc demo` and the
    /// other commands' default `etc/scenes/street.yaml` work from any directory with only the binaries.
    public static func loadFileOrBuiltin(_ path: String) throws -> (scene: Scene, text: String) {
        if !FileManager.default.fileExists(atPath: path), let name = builtinName(for: path),
            let text = BuiltinScenes.byName[name]
        {
            return (try parse(yaml: text, file: "<built-in \(name)> (etc/scenes/\(name).yaml)"), text)
        }
        let scene = try load(contentsOf: path)
        return (scene, (try? String(contentsOfFile: path, encoding: .utf8)) ?? scene.name)
    }
}
