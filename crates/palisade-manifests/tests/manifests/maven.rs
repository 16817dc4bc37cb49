use palisade_manifests::{Ecosystem, ManifestKind, parse};

use crate::{deps, parse_fixture, skipped};

#[test]
fn pom_properties_and_dependency_management() {
    let m = parse_fixture("maven/app/pom.xml");
    assert_eq!(m.kind, ManifestKind::Pom);
    assert!(m.dependencies.iter().all(|d| d.ecosystem == Ecosystem::Maven));
    assert_eq!(
        deps(&m),
        [
            // a BOM import, pinned here
            "org.springframework.boot:spring-boot-dependencies@3.2.4 L28 - -",
            "org.apache.logging.log4j:log4j-core@2.14.1 L44 direct prod",
            // version from <dependencyManagement>, line of the dependency
            "com.fasterxml.jackson.core:jackson-databind@2.15.3 L49 direct prod",
            // ${project.groupId} and ${project.version} from <parent>
            "com.contoso:orders-api@3.1.0 L53 direct prod",
            // ${junit.version} = ${junit.major}.10.2, defined after its use
            "org.junit.jupiter:junit-jupiter@5.10.2 L72 direct dev",
            // from a profile
            "org.postgresql:postgresql@42.7.3 L84 direct prod",
        ]
    );
    assert_eq!(
        skipped(&m),
        [
            // managed by the imported BOM: not guessed
            "org.springframework.boot:spring-boot-starter-web L58: no version",
            "commons-io:commons-io L62: not pinned [2.7,3.0)",
            "com.contoso:contoso-security L67: unresolved ${contoso.security.version}",
        ]
    );
}

#[test]
fn parent_pom_management_is_reported() {
    let m = parse_fixture("maven/parent/pom.xml");
    assert_eq!(
        deps(&m),
        [
            "com.google.guava:guava@32.1.3-jre L15 - -",
            "org.yaml:snakeyaml@1.33 L20 - -",
            "org.mockito:mockito-core@5.11.0 L25 - dev",
        ]
    );
}

#[test]
fn pom_property_loops_and_unresolved_coordinates() {
    let pom = br"<project>
  <properties><a>${b}</a><b>${a}</b></properties>
  <dependencies>
    <dependency><groupId>g</groupId><artifactId>looping</artifactId><version>${a}</version></dependency>
    <dependency><groupId>${env.GROUP}</groupId><artifactId>x</artifactId><version>1</version></dependency>
    <dependency><groupId>g</groupId><artifactId>exact</artifactId><version>[1.2.3]</version></dependency>
  </dependencies>
</project>";
    let m = parse("pom.xml", pom).unwrap();
    assert_eq!(deps(&m), ["g:exact@1.2.3 L6 direct prod"]);
    let s = skipped(&m);
    assert_eq!(s.len(), 2);
    assert!(s[0].starts_with("g:looping L4: unresolved $"), "{s:?}");
    assert_eq!(s[1], "${env.GROUP}:x L5: unresolved ${env.GROUP}:x");
}
