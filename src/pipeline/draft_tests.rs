use super::*;
use crate::pipeline::locate::{Place, place_of, regions};

const COMMENTED: &str = r#"# The order flow.
[pipeline]
name = "order-flow"   # the public name
version = "0.1.0"
on_error = "compensate"

# Checks the order first.
[nodes.validate]
component = "validate"

[nodes.charge]
component = "charge"
needs = ["validate"]
compensate = { component = "refund.wasm", manifest = "refund.toml" }
metadata = { reference = "${{ nodes.validate.meta.order }}" }

[nodes.charge.retry]
attempts = 3            # a flaky gateway
on = ["internal", "timeout"]
"#;

#[test]
fn an_untouched_draft_saves_byte_for_byte() {
    let draft = read(COMMENTED).unwrap();
    assert_eq!(draft.nodes.len(), 2);
    assert_eq!(draft.nodes[1].compensate.as_deref(), Some("refund.wasm"));
    assert_eq!(draft.nodes[1].retry.as_ref().unwrap().attempts, Some(3));
    assert_eq!(apply(COMMENTED, &draft).unwrap(), COMMENTED);
}

#[test]
fn one_change_is_one_line_of_diff_with_its_comment_kept() {
    let mut draft = read(COMMENTED).unwrap();
    draft.nodes[1].retry.as_mut().unwrap().attempts = Some(5);
    draft.nodes[0].position = Some([120, -40]);
    let saved = apply(COMMENTED, &draft).unwrap();
    let expected = COMMENTED
        .replace(
            "component = \"validate\"\n",
            "component = \"validate\"\nposition = [120, -40]\n",
        )
        .replace("attempts = 3            #", "attempts = 5            #");
    assert_eq!(saved, expected);
}

#[test]
fn nodes_added_and_removed_keep_the_rest() {
    let mut draft = read(COMMENTED).unwrap();
    draft.nodes.remove(0);
    draft.nodes[0].needs.clear();
    draft.nodes.push(DraftNode {
        name: "confirm".into(),
        component: "confirm".into(),
        needs: vec!["charge".into()],
        retry: Some(DraftRetry {
            attempts: Some(2),
            ..DraftRetry::default()
        }),
        position: Some([400, 0]),
        ..DraftNode::default()
    });
    let saved = apply(COMMENTED, &draft).unwrap();
    assert!(!saved.contains("[nodes.validate]"), "{saved}");
    assert!(!saved.contains("needs = [\"validate\"]"), "{saved}");
    assert!(
        saved.starts_with(
            "# The order flow.\n[pipeline]\nname = \"order-flow\"   # the public name\n"
        )
    );
    assert!(
        saved.ends_with(
            "\n[nodes.confirm]\ncomponent = \"confirm\"\nneeds = [\"charge\"]\nretry = { attempts = 2 }\nposition = [400, 0]\n"
        ),
        "{saved}"
    );
    assert_eq!(read(&saved).unwrap(), draft);
}

#[test]
fn a_new_file_is_written_from_nothing() {
    let draft = Draft {
        pipeline: DraftPipeline {
            name: "shout".into(),
            version: "0.1.0".into(),
            ..DraftPipeline::default()
        },
        nodes: vec![
            DraftNode {
                name: "upper".into(),
                component: "upper".into(),
                position: Some([0, 0]),
                ..DraftNode::default()
            },
            DraftNode {
                name: "exclaim".into(),
                component: "exclaim".into(),
                needs: vec!["upper".into()],
                metadata: [("source".to_string(), "ui".to_string())].into(),
                ..DraftNode::default()
            },
        ],
    };
    let text = apply("", &draft).unwrap();
    assert_eq!(
        text,
        "[pipeline]\nname = \"shout\"\nversion = \"0.1.0\"\n\n[nodes.upper]\ncomponent = \"upper\"\nposition = [0, 0]\n\n[nodes.exclaim]\ncomponent = \"exclaim\"\nneeds = [\"upper\"]\nmetadata = { source = \"ui\" }\n"
    );
    let spec = crate::pipeline::parse(&text, std::path::Path::new("Pipeline.toml")).unwrap();
    assert_eq!(spec.nodes.len(), 2);
}

#[test]
fn text_that_is_not_toml_is_an_error() {
    assert!(read("[pipeline\n").is_err());
}

#[test]
fn offsets_map_to_nodes_and_edges() {
    let found = regions(COMMENTED);
    let at = |needle: &str| {
        let start = COMMENTED.find(needle).unwrap();
        place_of(&found, &(start..start + needle.len()))
    };
    assert_eq!(
        at("component = \"validate\""),
        Some(Place::Node("validate".into()))
    );
    assert_eq!(
        at("\"validate\"]"),
        Some(Place::Edge {
            from: "validate".into(),
            to: "charge".into()
        })
    );
    assert_eq!(at("attempts = 3"), Some(Place::Node("charge".into())));
    assert_eq!(at("name = \"order-flow\""), None);
}

#[test]
fn a_node_deadline_is_written_and_read_back() {
    let mut draft = read(COMMENTED).unwrap();
    draft.nodes[0].deadline_ms = Some(500);
    let saved = apply(COMMENTED, &draft).unwrap();
    assert!(
        saved.contains("component = \"validate\"\ndeadline_ms = 500\n"),
        "{saved}"
    );
    assert_eq!(read(&saved).unwrap(), draft);
}
