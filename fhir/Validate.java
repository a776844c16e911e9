// Validates FHIR R4 JSON files against UK Core STU2 with the HL7 (HAPI FHIR) validator, many
// files in one JVM: loading the validator and generating UK Core's snapshots takes seconds, so
// the tests (tests/fhir_validator.py) start it once for the whole suite. Run with the
// single-file source launcher:
//   java -cp 'fhir/target/lib/*' fhir/Validate.java UKCORE_DIR FILE1.json FILE2.json ...
// With no FILEs it reads one path a line from stdin and answers each as it comes (the tests'
// session fixture keeps one such JVM for the whole run); it prints "ready" on stderr first.
// UKCORE_DIR is ../shared/standards/ukcore-stu2 (StructureDefinitions, ValueSets, CodeSystems
// as published: differentials, XML). For each file it prints one line of JSON:
//   {"file": "...", "errors": N, "warnings": N, "messages": [{"severity", "location", "message"}]}
// Code systems the validator cannot reach offline (SNOMED CT, nhgraph's own schemes) are
// warnings, not errors (UnknownCodeSystemWarningValidationSupport): their codes cannot be
// checked here, and saying so is all the validator can honestly do.
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.UnknownCodeSystemWarningValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.r4.model.ValueSet;

public class Validate {
    public static void main(String[] args) throws Exception {
        FhirContext context = FhirContext.forR4();
        context.getParserOptions().setDontStripVersionsFromReferencesAtPaths("*");
        PrePopulatedValidationSupport ukCore = new PrePopulatedValidationSupport(context);
        int loaded = 0;
        for (String folder : new String[] {"structuredefinitions", "valuesets", "codesystems"}) {
            List<Path> files = new ArrayList<>();
            try (Stream<Path> listing = Files.list(Path.of(args[0], folder))) {
                listing.filter(p -> p.toString().endsWith(".xml")).sorted().forEach(files::add);
            }
            for (Path file : files) {
                IBaseResource resource = context.newXmlParser()
                        .parseResource(Files.readString(file, StandardCharsets.UTF_8));
                if (resource instanceof StructureDefinition definition) {
                    ukCore.addStructureDefinition(definition);
                } else if (resource instanceof ValueSet valueSet) {
                    ukCore.addValueSet(valueSet);
                } else if (resource instanceof CodeSystem codeSystem) {
                    ukCore.addCodeSystem(codeSystem);
                } else {
                    continue;
                }
                loaded++;
            }
        }
        UnknownCodeSystemWarningValidationSupport unknown =
                new UnknownCodeSystemWarningValidationSupport(context);
        unknown.setNonExistentCodeSystemSeverity(
                ca.uhn.fhir.context.support.IValidationSupport.IssueSeverity.WARNING);
        ValidationSupportChain chain = new ValidationSupportChain(
                new DefaultProfileValidationSupport(context),
                ukCore,
                new SnapshotGeneratingValidationSupport(context),
                new CommonCodeSystemsTerminologyService(context),
                new InMemoryTerminologyServerValidationSupport(context),
                unknown);
        FhirInstanceValidator instance = new FhirInstanceValidator(chain);
        instance.setAnyExtensionsAllowed(true);
        FhirValidator validator = context.newValidator().registerValidatorModule(instance);
        System.err.println("loaded " + loaded + " UK Core conformance resources");
        if (args.length == 1) {
            System.err.println("ready");
            java.io.BufferedReader in = new java.io.BufferedReader(
                    new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.isBlank()) {
                    report(validator, line.strip());
                }
            }
            return;
        }
        for (int i = 1; i < args.length; i++) {
            report(validator, args[i]);
        }
    }

    private static void report(FhirValidator validator, String file) throws Exception {
        {
            String text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
            ValidationResult result = validator.validateWithResult(text);
            int errors = 0;
            int warnings = 0;
            StringBuilder messages = new StringBuilder();
            for (SingleValidationMessage message : result.getMessages()) {
                ResultSeverityEnum severity = message.getSeverity();
                if (severity == ResultSeverityEnum.ERROR || severity == ResultSeverityEnum.FATAL) {
                    errors++;
                } else if (severity == ResultSeverityEnum.WARNING) {
                    warnings++;
                } else {
                    continue;
                }
                if (messages.length() > 0) {
                    messages.append(',');
                }
                messages.append("{\"severity\":").append(quote(severity.getCode()))
                        .append(",\"location\":").append(quote(message.getLocationString()))
                        .append(",\"message\":").append(quote(message.getMessage())).append('}');
            }
            System.out.println("{\"file\":" + quote(file) + ",\"errors\":" + errors
                    + ",\"warnings\":" + warnings + ",\"messages\":[" + messages + "]}");
            System.out.flush();
        }
    }

    private static String quote(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
