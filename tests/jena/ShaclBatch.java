// Runs Apache Jena's SHACL engine on many data files in one JVM, for the engine comparison
// test (tests/test_shacl_engines.py). Run with the single-file source launcher:
//   java -cp 'jena/target/lib/*' tests/jena/ShaclBatch.java SHAPES.ttl DATA1.ttl DATA2.ttl ...
// For each DATA.ttl it writes DATA.ttl.report.ttl, Jena's SHACL validation report graph.
import java.io.FileOutputStream;
import java.io.OutputStream;
import org.apache.jena.graph.Graph;
import org.apache.jena.riot.Lang;
import org.apache.jena.riot.RDFDataMgr;
import org.apache.jena.shacl.ShaclValidator;
import org.apache.jena.shacl.Shapes;
import org.apache.jena.shacl.ValidationReport;

public class ShaclBatch {
    public static void main(String[] args) throws Exception {
        Shapes shapes = Shapes.parse(RDFDataMgr.loadGraph(args[0]));
        for (int i = 1; i < args.length; i++) {
            Graph data = RDFDataMgr.loadGraph(args[i]);
            ValidationReport report = ShaclValidator.get().validate(shapes, data);
            try (OutputStream out = new FileOutputStream(args[i] + ".report.ttl")) {
                RDFDataMgr.write(out, report.getModel(), Lang.TURTLE);
            }
        }
    }
}
