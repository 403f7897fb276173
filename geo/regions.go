package geo

// regions lists the commercial AWS Regions (not GovCloud or China), sorted by
// Code. Display names are the console's. AZ letters are those offered to new
// accounts: us-east-1 has a–f, us-west-1 only b and c, ap-northeast-1 a, c
// and d, ca-central-1 a, b and d (AWS retired or withholds the others).
// Coordinates are the metro area the Region is named after.
var regions = []Region{
	{"af-south-1", "Africa (Cape Town)", Point{-33.92, 18.42}, azs("af-south-1", "abc")},
	{"ap-east-1", "Asia Pacific (Hong Kong)", Point{22.32, 114.17}, azs("ap-east-1", "abc")},
	{"ap-east-2", "Asia Pacific (Taipei)", Point{25.03, 121.57}, azs("ap-east-2", "abc")},
	{"ap-northeast-1", "Asia Pacific (Tokyo)", Point{35.68, 139.69}, azs("ap-northeast-1", "acd")},
	{"ap-northeast-2", "Asia Pacific (Seoul)", Point{37.57, 126.98}, azs("ap-northeast-2", "abcd")},
	{"ap-northeast-3", "Asia Pacific (Osaka)", Point{34.69, 135.50}, azs("ap-northeast-3", "abc")},
	{"ap-south-1", "Asia Pacific (Mumbai)", Point{19.08, 72.88}, azs("ap-south-1", "abc")},
	{"ap-south-2", "Asia Pacific (Hyderabad)", Point{17.39, 78.49}, azs("ap-south-2", "abc")},
	{"ap-southeast-1", "Asia Pacific (Singapore)", Point{1.35, 103.82}, azs("ap-southeast-1", "abc")},
	{"ap-southeast-2", "Asia Pacific (Sydney)", Point{-33.87, 151.21}, azs("ap-southeast-2", "abc")},
	{"ap-southeast-3", "Asia Pacific (Jakarta)", Point{-6.21, 106.85}, azs("ap-southeast-3", "abc")},
	{"ap-southeast-4", "Asia Pacific (Melbourne)", Point{-37.81, 144.96}, azs("ap-southeast-4", "abc")},
	{"ap-southeast-5", "Asia Pacific (Malaysia)", Point{3.14, 101.69}, azs("ap-southeast-5", "abc")},
	{"ap-southeast-7", "Asia Pacific (Thailand)", Point{13.76, 100.50}, azs("ap-southeast-7", "abc")},
	{"ca-central-1", "Canada (Central)", Point{45.50, -73.57}, azs("ca-central-1", "abd")},
	{"ca-west-1", "Canada West (Calgary)", Point{51.05, -114.07}, azs("ca-west-1", "abc")},
	{"eu-central-1", "Europe (Frankfurt)", Point{50.11, 8.68}, azs("eu-central-1", "abc")},
	{"eu-central-2", "Europe (Zurich)", Point{47.37, 8.54}, azs("eu-central-2", "abc")},
	{"eu-north-1", "Europe (Stockholm)", Point{59.33, 18.07}, azs("eu-north-1", "abc")},
	{"eu-south-1", "Europe (Milan)", Point{45.46, 9.19}, azs("eu-south-1", "abc")},
	{"eu-south-2", "Europe (Spain)", Point{41.65, -0.88}, azs("eu-south-2", "abc")},
	{"eu-west-1", "Europe (Ireland)", Point{53.35, -6.26}, azs("eu-west-1", "abc")},
	{"eu-west-2", "Europe (London)", Point{51.51, -0.13}, azs("eu-west-2", "abc")},
	{"eu-west-3", "Europe (Paris)", Point{48.86, 2.35}, azs("eu-west-3", "abc")},
	{"il-central-1", "Israel (Tel Aviv)", Point{32.09, 34.78}, azs("il-central-1", "abc")},
	{"me-central-1", "Middle East (UAE)", Point{25.20, 55.27}, azs("me-central-1", "abc")},
	{"me-south-1", "Middle East (Bahrain)", Point{26.07, 50.56}, azs("me-south-1", "abc")},
	{"mx-central-1", "Mexico (Central)", Point{20.59, -100.39}, azs("mx-central-1", "abc")},
	{"sa-east-1", "South America (São Paulo)", Point{-23.55, -46.63}, azs("sa-east-1", "abc")},
	{"us-east-1", "US East (N. Virginia)", Point{38.95, -77.45}, azs("us-east-1", "abcdef")},
	{"us-east-2", "US East (Ohio)", Point{39.96, -83.00}, azs("us-east-2", "abc")},
	{"us-west-1", "US West (N. California)", Point{37.35, -121.96}, azs("us-west-1", "bc")},
	{"us-west-2", "US West (Oregon)", Point{45.84, -119.70}, azs("us-west-2", "abcd")},
}

// recRegions are the Regions that host a CloudFront regional edge cache
// (CloudFront Developer Guide, "How CloudFront works with regional edge
// caches"; the list has been stable at 13 since 2016).
var recRegions = []string{
	"ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-1",
	"ap-southeast-2", "eu-central-1", "eu-west-1", "eu-west-2", "sa-east-1",
	"us-east-1", "us-east-2", "us-west-1", "us-west-2",
}

func azs(code, letters string) []string {
	out := make([]string, len(letters))
	for i, l := range letters {
		out[i] = code + string(l)
	}
	return out
}
