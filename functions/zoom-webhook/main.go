// Command zoom-webhook is the zoom-webhook Lambda function: Zoom's meeting
// events. Its handler arrives with the webhook release path.
package main

import "github.com/aws/aws-lambda-go/lambda"

func main() {
	lambda.Start(func() error { return nil })
}
