// A JIT-compiled hot method for cprof's Java test.
//   Hot SECONDS      main calls hotLoop until SECONDS have passed (default 3)
//   Hot -n CALLS     main calls hotLoop CALLS times: fixed work, however
//                    busy the machine (next to the JVM's fixed start-up work)
// Either way it prints "hot" (flushed) after the first 100 calls, when the
// method runs compiled, and the sum at the end.
public class Hot {
    static long hotLoop(long n) {
        long s = 0;
        for (long i = 0; i < n; i++)
            s += i * i ^ (s >>> 3);
        return s;
    }

    public static void main(String[] args) {
        boolean counted = args.length > 1 && args[0].equals("-n");
        long calls = counted ? Long.parseLong(args[1]) : Long.MAX_VALUE;
        double seconds = !counted && args.length > 0 ? Double.parseDouble(args[0]) : 3;
        long end = System.currentTimeMillis() + (long) (seconds * 1000), s = 0;
        for (long c = 0; c < calls && (counted || System.currentTimeMillis() < end); c++) {
            s += hotLoop(1000000);
            if (c == 99) {
                System.out.println("hot");
                System.out.flush();
            }
        }
        System.out.println(s);
    }
}
