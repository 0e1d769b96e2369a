import SandboxValues

/// A minimal XML element tree that renders deterministically with every value escaped.
///
/// Attribute order is the order given; text and attribute values go through ``XMLTree/escape(_:)``,
/// so no caller-supplied string can open or close an element.
package struct XMLTree: Sendable, Hashable {
    package var name: String
    package var attributes: [(String, String)]
    package var children: [Child]

    package enum Child: Sendable, Hashable {
        case element(XMLTree)
        case text(String)
    }

    package init(_ name: String, _ attributes: [(String, String)] = [], children: [XMLTree] = []) {
        self.name = name
        self.attributes = attributes
        self.children = children.map(Child.element)
    }

    package init(_ name: String, _ attributes: [(String, String)] = [], text: String) {
        self.name = name
        self.attributes = attributes
        self.children = [.text(text)]
    }

    package static func == (lhs: XMLTree, rhs: XMLTree) -> Bool {
        lhs.name == rhs.name && lhs.children == rhs.children
            && lhs.attributes.map { [$0.0, $0.1] } == rhs.attributes.map { [$0.0, $0.1] }
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        for (key, value) in attributes {
            hasher.combine(key)
            hasher.combine(value)
        }
        hasher.combine(children)
    }

    /// Renders the tree with two-space indentation and a trailing newline.
    package func render() -> String {
        var out = ""
        write(into: &out, depth: 0)
        return out
    }

    private func write(into out: inout String, depth: Int) {
        let indent = String(repeating: "  ", count: depth)
        out += indent + "<" + name
        for (key, value) in attributes {
            out += " " + key + "='" + Self.escape(value) + "'"
        }
        if children.isEmpty {
            out += "/>\n"
            return
        }
        if children.count == 1, case .text(let text) = children[0] {
            out += ">" + Self.escape(text) + "</" + name + ">\n"
            return
        }
        out += ">\n"
        for child in children {
            switch child {
            case .element(let element): element.write(into: &out, depth: depth + 1)
            case .text(let text): out += indent + "  " + Self.escape(text) + "\n"
            }
        }
        out += indent + "</" + name + ">\n"
    }

    /// Escapes the five XML special characters. Control characters never reach here: callers
    /// validate values before building a tree.
    package static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "'": out += "&apos;"
            case "\"": out += "&quot;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
